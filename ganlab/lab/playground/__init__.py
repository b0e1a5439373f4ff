"""The playground: the game stepped by hand, in 2-D and on MNIST, with its controls."""
