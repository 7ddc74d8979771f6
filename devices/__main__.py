"""`python -m devices` runs the locker simulator's command line."""

import sys

from devices.locker_sim import main

sys.exit(main())
