# Faithful Python port of the round-number search in HorizenLabs/poseidon2 poseidon2_rust_params.sage
from math import log, ceil, floor, comb, inf
p = 21888242871839275222246405745257275088548364400416034343698204186575808495617
n = p.bit_length(); alpha = 5; M = 128
def sat(t, R_F, R_P):
    R_F_1 = 6 if M <= ((floor(log(p, 2) - ((alpha-1)/2.0))) * (t + 1)) else 10
    R_F_2 = 1 + ceil(log(2, alpha) * min(M, n)) + ceil(log(t, alpha)) - R_P
    R_F_3 = (log(2, alpha) * min(M, log(p, 2))) - R_P
    R_F_4 = t - 1 + log(2, alpha) * min(M / float(t + 1), log(p, 2) / float(2)) - R_P
    R_F_5 = (t - 2 + (M / float(2 * log(alpha, 2))) - R_P) / float(t - 1)
    R_F_max = max(ceil(R_F_1), ceil(R_F_2), ceil(R_F_3), ceil(R_F_4), ceil(R_F_5))
    r_temp = floor(t / 3.0)
    over = (R_F - 1) * t + R_P + r_temp + r_temp * (R_F / 2.0) + R_P + alpha
    under = r_temp * (R_F / 2.0) + R_P + alpha
    binom_log = log(comb(int(over), int(under)), 2)
    cost_gb4 = ceil(2 * binom_log)
    return (R_F >= R_F_max) and (cost_gb4 >= M)
def find(t):
    R_P = R_F = 0; min_cost = inf; max_cost_rf = 0
    for R_P_t in range(1, 500):
        for R_F_t in range(4, 100):
            if R_F_t % 2 == 0 and sat(t, R_F_t, R_P_t):
                R_F_t += 2
                R_P_t = int(ceil(float(R_P_t) * 1.075))
                cost = t * R_F_t + R_P_t
                if cost < min_cost or (cost == min_cost and R_F_t < max_cost_rf):
                    R_P, R_F, min_cost, max_cost_rf = R_P_t, R_F_t, cost, R_F_t
    return R_F, R_P
for t in range(2, 18):
    print(t, *find(t))
