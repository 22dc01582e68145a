from catapult_sim.cli import main

raise SystemExit(main())
