from catapult_sim.cli.main import main

raise SystemExit(main())
