from smarttouch.cli import main

main()
