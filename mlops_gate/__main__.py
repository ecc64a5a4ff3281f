from mlops_gate.cli import main

main()
