from emdrill.cli import main

main()
