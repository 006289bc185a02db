#!/usr/bin/python3
"""Benchmark objectives for `mlip optimize`, run as external commands (pure Python, starts in ~20 ms).

  functions.py branin X1 X2            Branin-Hoo on [-5, 10] x [0, 15]; minimum 0.397887
  functions.py hartmann6 X1 ... X6     Hartmann-6 on [0, 1]^6; minimum -3.32237
Prints the value on one line.
"""
import math, sys

def branin(x1, x2):
    b, c, t = 5.1 / (4 * math.pi ** 2), 5 / math.pi, 1 / (8 * math.pi)
    return (x2 - b * x1 ** 2 + c * x1 - 6) ** 2 + 10 * (1 - t) * math.cos(x1) + 10

A = [[10, 3, 17, 3.5, 1.7, 8], [0.05, 10, 17, 0.1, 8, 14], [3, 3.5, 1.7, 10, 17, 8], [17, 8, 0.05, 10, 0.1, 14]]
P = [[1312, 1696, 5569, 124, 8283, 5886], [2329, 4135, 8307, 3736, 1004, 9991],
     [2348, 1451, 3522, 2883, 3047, 6650], [4047, 8828, 8732, 5743, 1091, 381]]
ALPHA = [1.0, 1.2, 3.0, 3.2]

def hartmann6(x):
    return -sum(ALPHA[i] * math.exp(-sum(A[i][j] * (x[j] - 1e-4 * P[i][j]) ** 2 for j in range(6))) for i in range(4))

if __name__ == "__main__":
    name, args = sys.argv[1], [float(a) for a in sys.argv[2:]]
    print(repr(branin(*args) if name == "branin" else hartmann6(args)))
