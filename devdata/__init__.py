"""Development data: the demo (`seed_demo`) and the scale data set (`seed_scale`)."""
