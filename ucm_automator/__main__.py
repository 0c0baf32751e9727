from ucm_automator.cli import main

main()
