"""The ``smarttouch`` command line.

Each room owns its commands in its own ``cli`` module; this group only knows where they live
and imports a room when one of its commands is used, so ``smarttouch sensors decode`` never pays
for importing Flask or pygame.
"""

from __future__ import annotations

import importlib

import click

# command name -> "module:attribute" of a click command or group
COMMANDS: dict[str, str] = {
    # platform (the hub)
    "db": "smarttouch.platform.cli.db:db",
    "user": "smarttouch.platform.cli.users:user",
    "seed": "smarttouch.platform.cli.seed:seed",
    "serve": "smarttouch.platform.cli.serve:serve",
    "demo": "smarttouch.platform.cli.serve:demo",
    "pair": "smarttouch.client.cli:pair",
    "outbox": "smarttouch.client.cli:outbox",
    "export": "smarttouch.platform.cli.export:export",
    "patient": "smarttouch.platform.cli.patient:patient",
    "alerts": "smarttouch.platform.cli.alerts:alerts",
    "rescore": "smarttouch.platform.cli.scoring:rescore",
    "blobs": "smarttouch.platform.cli.blobs:blobs",
    # sensors
    "sensors": "smarttouch.sensors.cli:sensors",
    "record": "smarttouch.sensors.cli:record",
    # scoring
    "analyze": "smarttouch.scoring.cli:analyze",
    # games
    "play": "smarttouch.client.play_cli:play",
    # challenges
    "challenge": "smarttouch.platform.cli.challenge:challenge",
    "worker": "smarttouch.platform.cli.challenge:worker",
}

HELP: dict[str, str] = {
    "db": "Manage the hub database (migrations).",
    "user": "Create and manage hub user accounts.",
    "seed": "Fill the hub with demo data.",
    "serve": "Serve the hub over HTTP.",
    "demo": "Migrate, seed if empty, serve the hub with a background worker; prints logins and a walk-through.",
    "pair": "Pair this computer with the hub using the code from your therapist.",
    "outbox": "Show the sessions waiting to be uploaded to the hub.",
    "export": "Export patient data (HL7 FHIR, data-rights archive, donated datasets).",
    "patient": "Patient records: erasure on request (GDPR).",
    "alerts": "Clinical alerts: e-mail each therapist a daily digest of the patients who need attention.",
    "rescore": "Score stored sessions again (after a scoring upgrade), on the workers or here.",
    "blobs": "The blob store of recordings and code: where it is; migrate a folder to S3.",
    "sensors": "Decode, scan and inspect wearable sensors.",
    "record": "Record motion from any sensor source to a file.",
    "analyze": "Analyse motion recordings: reps, ROM, smoothness, tremor.",
    "play": "Play a rehabilitation mini-game.",
    "challenge": "Work with challenges: validate, submit, evaluate, import.",
    "worker": "Run the background worker: session scoring, submissions' evaluations, analyzers.",
}


class Unavailable(click.Command):
    """Stands in for a command whose room cannot be imported; running it says why."""

    def __init__(self, name: str, reason: str) -> None:
        super().__init__(name, help=HELP.get(name, ""), callback=self._explain)
        self.unavailable_reason = reason

    def _explain(self) -> None:
        raise click.ClickException(f"'{self.name}' is unavailable: {self.unavailable_reason}")


class LazyGroup(click.Group):
    """A click group whose sub-commands are imported only when used."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        target = COMMANDS.get(cmd_name)
        if target is None:
            return None
        module_name, attr = target.split(":")
        try:
            module = importlib.import_module(module_name)
            command: click.Command = getattr(module, attr)
            return command
        except (ImportError, AttributeError) as exc:  # room not installed or broken
            return Unavailable(cmd_name, str(exc))

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = [(name, HELP.get(name, "")) for name in self.list_commands(ctx)]
        with formatter.section("Commands"):
            formatter.write_dl(rows)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="smarttouch")
def main() -> None:
    """SmartTouch: home motor rehabilitation with wearables, motion games and a therapist hub.

    Configuration comes from SMARTTOUCH_* environment variables (see README).
    """


if __name__ == "__main__":  # pragma: no cover
    main()
