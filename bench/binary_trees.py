# binary_trees: allocate and walk complete binary trees of objects
# (the classic from the Computer Language Benchmarks Game).


class Node:
    def __init__(self, left=None, right=None):
        self.left = left
        self.right = right

    def check(self):
        if self.left is None:
            return 1
        return 1 + self.left.check() + self.right.check()


def bottom_up(depth):
    if depth == 0:
        return Node()
    return Node(bottom_up(depth - 1), bottom_up(depth - 1))


def main():
    n = 15  # @size 6
    min_depth = 4
    max_depth = n
    if min_depth + 2 > max_depth:
        max_depth = min_depth + 2
    total = bottom_up(max_depth + 1).check()
    long_lived = bottom_up(max_depth)
    depth = min_depth
    while depth <= max_depth:
        iterations = 1
        for k in range(max_depth - depth + min_depth):
            iterations = iterations * 2
        check = 0
        for i in range(iterations):
            check = check + bottom_up(depth).check()
        total = total + check
        depth = depth + 2
    total = total + long_lived.check()
    print(total)


main()
