"""The challenge hub: importing bundles, submissions and their caps, leaderboards, therapists'
reviews and what an approval publishes."""
