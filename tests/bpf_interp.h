/* bpf_interp.h - a classic-BPF interpreter for seccomp programs, for tests.
 *
 * bpf_run() evaluates a program on a struct seccomp_data the way the kernel's seccomp
 * does (32-bit accumulator A and index X, 16 scratch words, absolute loads of aligned
 * 32-bit words of seccomp_data, forward jumps only) and counts the instructions it
 * executed. Anything the kernel's checker would refuse makes it return BPF_BAD. */
#ifndef CTR_BPF_INTERP_H
#define CTR_BPF_INTERP_H

#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <linux/filter.h>
#include <linux/seccomp.h>

#define BPF_BAD 0xdeadbeefu

/* Run prog[0..len) on d; *steps (if not NULL) gets the number of executed instructions. */
static uint32_t bpf_run(const struct sock_filter *prog, size_t len, const struct seccomp_data *d,
			unsigned *steps)
{
	uint32_t A = 0, X = 0, M[16] = {0};
	unsigned n = 0;
	const unsigned char *data = (const unsigned char *)d;
	for (size_t pc = 0; pc < len; pc++) {
		const struct sock_filter *f = &prog[pc];
		uint32_t k = f->k;
		n++;
		if (steps)
			*steps = n;
		switch (f->code) {
		case BPF_LD | BPF_W | BPF_ABS:
			if (k >= sizeof(*d) || k % 4)
				return BPF_BAD;
			memcpy(&A, data + k, 4);
			break;
		case BPF_LD | BPF_W | BPF_LEN: A = sizeof(*d); break;
		case BPF_LDX | BPF_W | BPF_LEN: X = sizeof(*d); break;
		case BPF_LD | BPF_IMM: A = k; break;
		case BPF_LDX | BPF_IMM: X = k; break;
		case BPF_LD | BPF_MEM: if (k > 15) return BPF_BAD; A = M[k]; break;
		case BPF_LDX | BPF_MEM: if (k > 15) return BPF_BAD; X = M[k]; break;
		case BPF_ST: if (k > 15) return BPF_BAD; M[k] = A; break;
		case BPF_STX: if (k > 15) return BPF_BAD; M[k] = X; break;
		case BPF_ALU | BPF_ADD | BPF_K: A += k; break;
		case BPF_ALU | BPF_SUB | BPF_K: A -= k; break;
		case BPF_ALU | BPF_MUL | BPF_K: A *= k; break;
		case BPF_ALU | BPF_DIV | BPF_K: if (!k) return BPF_BAD; A /= k; break;
		case BPF_ALU | BPF_MOD | BPF_K: if (!k) return BPF_BAD; A %= k; break;
		case BPF_ALU | BPF_AND | BPF_K: A &= k; break;
		case BPF_ALU | BPF_OR | BPF_K: A |= k; break;
		case BPF_ALU | BPF_XOR | BPF_K: A ^= k; break;
		case BPF_ALU | BPF_LSH | BPF_K: if (k > 31) return BPF_BAD; A <<= k; break;
		case BPF_ALU | BPF_RSH | BPF_K: if (k > 31) return BPF_BAD; A >>= k; break;
		case BPF_ALU | BPF_ADD | BPF_X: A += X; break;
		case BPF_ALU | BPF_SUB | BPF_X: A -= X; break;
		case BPF_ALU | BPF_AND | BPF_X: A &= X; break;
		case BPF_ALU | BPF_OR | BPF_X: A |= X; break;
		case BPF_ALU | BPF_NEG: A = -A; break;
		case BPF_MISC | BPF_TAX: X = A; break;
		case BPF_MISC | BPF_TXA: A = X; break;
		case BPF_JMP | BPF_JA:
			if (k >= len - pc - 1)
				return BPF_BAD;
			pc += k;
			break;
		case BPF_JMP | BPF_JEQ | BPF_K: pc += A == k ? f->jt : f->jf; break;
		case BPF_JMP | BPF_JGT | BPF_K: pc += A > k ? f->jt : f->jf; break;
		case BPF_JMP | BPF_JGE | BPF_K: pc += A >= k ? f->jt : f->jf; break;
		case BPF_JMP | BPF_JSET | BPF_K: pc += (A & k) ? f->jt : f->jf; break;
		case BPF_JMP | BPF_JEQ | BPF_X: pc += A == X ? f->jt : f->jf; break;
		case BPF_JMP | BPF_JGT | BPF_X: pc += A > X ? f->jt : f->jf; break;
		case BPF_JMP | BPF_JGE | BPF_X: pc += A >= X ? f->jt : f->jf; break;
		case BPF_JMP | BPF_JSET | BPF_X: pc += (A & X) ? f->jt : f->jf; break;
		case BPF_RET | BPF_K: return k;
		case BPF_RET | BPF_A: return A;
		default: return BPF_BAD;
		}
	}
	return BPF_BAD; /* fell off the end */
}

/* One line per instruction, for debugging a program. */
__attribute__((unused)) static void bpf_dump(FILE *out, const struct sock_filter *prog, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		const struct sock_filter *f = &prog[i];
		const char *op = "?";
		switch (f->code) {
		case BPF_LD | BPF_W | BPF_ABS: op = "ld"; break;
		case BPF_ALU | BPF_AND | BPF_K: op = "and"; break;
		case BPF_JMP | BPF_JA: op = "ja"; break;
		case BPF_JMP | BPF_JEQ | BPF_K: op = "jeq"; break;
		case BPF_JMP | BPF_JGT | BPF_K: op = "jgt"; break;
		case BPF_JMP | BPF_JGE | BPF_K: op = "jge"; break;
		case BPF_JMP | BPF_JSET | BPF_K: op = "jset"; break;
		case BPF_RET | BPF_K: op = "ret"; break;
		case BPF_LD | BPF_MEM: op = "ldm"; break;
		case BPF_ST: op = "st"; break;
		}
		if (BPF_CLASS(f->code) == BPF_JMP && f->code != (BPF_JMP | BPF_JA))
			fprintf(out, "%4zu: %-4s 0x%08x  jt %zu jf %zu\n", i, op, f->k,
				i + 1 + f->jt, i + 1 + f->jf);
		else if (f->code == (BPF_JMP | BPF_JA))
			fprintf(out, "%4zu: %-4s %zu\n", i, op, i + 1 + f->k);
		else
			fprintf(out, "%4zu: %-4s 0x%08x\n", i, op, f->k);
	}
}

#endif
