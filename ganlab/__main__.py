from ganlab.lab.cli import main

main()
