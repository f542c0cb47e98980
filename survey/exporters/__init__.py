"""Export the instrument to other survey tools and to paper."""
