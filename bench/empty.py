# empty: nothing at all, to measure start-up time.
