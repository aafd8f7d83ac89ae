// binary_trees: allocate and walk complete binary trees of objects
// (the classic from the Computer Language Benchmarks Game).
class Node {
  constructor(left, right) {
    this.left = left;
    this.right = right;
  }

  check() {
    if (this.left === null) {
      return 1;
    }
    return 1 + this.left.check() + this.right.check();
  }
}

function bottomUp(depth) {
  if (depth === 0) {
    return new Node(null, null);
  }
  return new Node(bottomUp(depth - 1), bottomUp(depth - 1));
}

function main() {
  const n = 15; // @size 6
  const minDepth = 4;
  let maxDepth = n;
  if (minDepth + 2 > maxDepth) {
    maxDepth = minDepth + 2;
  }
  let total = bottomUp(maxDepth + 1).check();
  const longLived = bottomUp(maxDepth);
  let depth = minDepth;
  while (depth <= maxDepth) {
    let iterations = 1;
    for (let k = 0; k < maxDepth - depth + minDepth; k++) {
      iterations = iterations * 2;
    }
    let check = 0;
    for (let i = 0; i < iterations; i++) {
      check = check + bottomUp(depth).check();
    }
    total = total + check;
    depth = depth + 2;
  }
  total = total + longLived.check();
  console.log(String(total));
}

main();
