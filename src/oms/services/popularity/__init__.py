"""Popularity: per-day sorted sets of enrollments and views in Redis (`rankings`), fed by views buffered in
each process and sent once a second (`view_counts`); rebuilt from MongoDB whenever Redis lost them."""
