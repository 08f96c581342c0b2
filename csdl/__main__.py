from csdl.cli import main

main()
