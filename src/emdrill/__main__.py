from emdrill.cli.main import main

main()
