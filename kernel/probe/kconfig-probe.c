// SPDX-License-Identifier: GPL-2.0
/*
 * kconfig-probe: answer "why does this symbol have this value?" with the
 * kernel tree's OWN kconfig engine.
 *
 * This file is not part of libteehost. `teehost kernel config|verify`
 * compiles it at run time against the objects that `make olddefconfig` has
 * just built from the tree under test (O=WORK/scripts/kconfig/{confdata,
 * expr,lexer.lex,menu,parser.tab,preprocess,symbol,util}.o) and the tree's
 * own headers (scripts/kconfig/, scripts/include/).  Nothing of Kconfig is
 * re-implemented here: the Kconfig files are parsed by the tree's parser,
 * values come from sym_calc_value()/expr_calc_value(), expressions are
 * printed by expr_gstr_print() ("KVM [=n]" is kconfig's own notation).
 * Because it is built against the tree each time, it follows the tree's
 * kconfig internals (this version targets the 6.x API: struct gstr,
 * sym_get_choice_menu(), sym_calc_choice()).
 *
 * Usage: kconfig-probe KCONFIG_FILE CONFIG_FILE SYMBOL[=ASKED]...
 * (run in the object tree with the environment make gives conf: srctree,
 * ARCH, SRCARCH, CC, LD, KERNELVERSION, CC_VERSION_TEXT, ...)
 *
 * Output, one record per line, tab-separated (parsed by src/kernel/proof.c):
 *   E changed                      the config is not what this engine computes
 *   S NAME TYPE VALUE VISIBLE DEPTH   symbol; TYPE "unknown" if the tree lacks it
 *   D NAME EXPR                    its "depends on" (incl. menus/ifs), with values
 *   T NAME TERM VALUE BLOCKS       one top-level && term of D; BLOCKS 1 = this
 *                                  term holds the symbol below what was asked
 *   V NAME EXPR                    prompt condition when it alone hides the symbol
 *   R NAME TERM VALUE              one "selected by" term that is active
 *   C NAME CHOSEN                  choice member: the member the choice chose
 *   W NAME BY                      the symbol BY is examined because NAME needs it
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "lkc.h"

#define MAX_SEEN 512
static struct symbol *seen[MAX_SEEN];
static int nseen;
/* Requested symbols are probed at the top level with their own asked value;
 * when one turns up as another's culprit it is only linked (W), not probed
 * again with a guessed one. */
static struct symbol *requested[MAX_SEEN];
static int nrequested;

static int is_requested(struct symbol *sym)
{
	for (int i = 0; i < nrequested; i++)
		if (requested[i] == sym)
			return 1;
	return 0;
}

static const char *tri_str(tristate t)
{
	return t == yes ? "y" : t == mod ? "m" : "n";
}

static char *expr_str(struct expr *e)
{
	struct gstr gs = str_new();
	char *s;

	expr_gstr_print(e, &gs);
	s = strdup(str_get(&gs));
	str_free(&gs);
	for (char *p = s; p && *p; p++)
		if (*p == '\n' || *p == '\t')
			*p = ' ';
	return s;
}

static int was_seen(struct symbol *sym)
{
	for (int i = 0; i < nseen; i++)
		if (seen[i] == sym)
			return 1;
	if (nseen < MAX_SEEN)
		seen[nseen++] = sym;
	return 0;
}

/* Every plain symbol of a false "A || B || C": any one of them would do. */
static void or_culprits(struct expr *e, struct symbol **culprits, int *nculprits)
{
	if (e->type == E_OR) {
		or_culprits(e->left.expr, culprits, nculprits);
		or_culprits(e->right.expr, culprits, nculprits);
	} else if (e->type == E_SYMBOL && e->left.sym->name &&
		   e->left.sym->type != S_UNKNOWN && *nculprits < 8) {
		culprits[(*nculprits)++] = e->left.sym;
	}
}

/* Top-level && terms of a dependency; a term "blocks" when its value is
 * below what the symbol needs (for a bool, m counts as y, as kconfig does). */
static void terms(struct symbol *sym, struct expr *e, tristate need,
		  struct symbol **culprits, int *nculprits)
{
	tristate v;
	char *s;
	int blocks;

	if (e->type == E_AND) {
		terms(sym, e->left.expr, need, culprits, nculprits);
		terms(sym, e->right.expr, need, culprits, nculprits);
		return;
	}
	v = expr_calc_value(e);
	if (v == mod && sym_get_type(sym) == S_BOOLEAN)
		v = yes;
	blocks = v < need;
	s = expr_str(e);
	printf("T\t%s\t%s\t%s\t%d\n", sym->name, s, tri_str(v), blocks);
	free(s);
	/* A plain symbol term (or its m/y comparison) that blocks is worth
	 * explaining in turn: "KVM_INTEL [=n]" because "KVM [=n]". */
	if (blocks && *nculprits < 8) {
		if (e->type == E_NOT && e->left.expr->type == E_SYMBOL &&
		    e->left.expr->left.sym->name)
			culprits[(*nculprits)++] = e->left.expr->left.sym;
		else if (e->type == E_SYMBOL && e->left.sym->name)
			culprits[(*nculprits)++] = e->left.sym;
		else if (e->type == E_OR)
			or_culprits(e, culprits, nculprits);
		else if ((e->type == E_EQUAL || e->type == E_GEQ) &&
			 e->left.sym->name && e->left.sym->type != S_UNKNOWN)
			culprits[(*nculprits)++] = e->left.sym;
	}
}

static void probe(struct symbol *sym, const char *name, const char *want, int depth)
{
	struct symbol *culprits[8];
	int nculprits = 0;
	struct property *prop;
	struct menu *choice;
	tristate need = yes;

	if (!sym || sym->type == S_UNKNOWN) {
		printf("S\t%s\tunknown\t-\t-\t%d\n", name, depth);
		return;
	}
	if (depth > 0 && is_requested(sym))
		return;
	if (was_seen(sym))
		return;
	sym_calc_value(sym);
	printf("S\t%s\t%s\t%s\t%s\t%d\n", sym->name, sym_type_name(sym->type),
	       sym_get_string_value(sym), tri_str(sym->visible), depth);

	/* What the asked value needs of each dependency: 'm' is enough for a
	 * module (and for any bool), 'y' for a built-in tristate. */
	if (want && !strcmp(want, "m"))
		need = mod;
	if (sym->dir_dep.expr) {
		char *s = expr_str(sym->dir_dep.expr);

		printf("D\t%s\t%s\n", sym->name, s);
		free(s);
		terms(sym, sym->dir_dep.expr, need, culprits, &nculprits);
	}
	/* Deps fine but prompt condition ("prompt ... if X") false. */
	for_all_prompts(sym, prop) {
		if (prop->visible.expr && expr_calc_value(prop->visible.expr) == no &&
		    (!sym->dir_dep.expr || expr_calc_value(sym->dir_dep.expr) != no)) {
			char *s = expr_str(prop->visible.expr);

			printf("V\t%s\t%s\n", sym->name, s);
			free(s);
		}
	}
	/* Who forces it on (the reason a symbol asked off stays on). */
	if (sym->rev_dep.expr) {
		struct expr *stack[64];
		int n = 0;

		stack[n++] = sym->rev_dep.expr;
		while (n) {
			struct expr *e = stack[--n];

			if (e->type == E_OR && n < 62) {
				stack[n++] = e->right.expr;
				stack[n++] = e->left.expr;
			} else if (expr_calc_value(e) != no) {
				char *s = expr_str(e);

				printf("R\t%s\t%s\t%s\n", sym->name, s,
				       tri_str(expr_calc_value(e)));
				free(s);
			}
		}
	}
	choice = sym_get_choice_menu(sym);
	if (choice) {
		struct symbol *chosen = sym_calc_choice(choice);

		printf("C\t%s\t%s\n", sym->name,
		       chosen && chosen->name ? chosen->name : "-");
	}
	if (depth < 4) {
		for (int i = 0; i < nculprits; i++) {
			printf("W\t%s\t%s\n", sym->name, culprits[i]->name);
			probe(culprits[i], culprits[i]->name, NULL, depth + 1);
		}
	}
}

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: kconfig-probe KCONFIG CONFIG SYMBOL...\n");
		return 2;
	}
	conf_parse(argv[1]);
	if (conf_read(argv[2])) {
		fprintf(stderr, "kconfig-probe: %s: cannot read\n", argv[2]);
		return 1;
	}
	if (conf_get_changed())
		printf("E\tchanged\n");
	for (int i = 3; i < argc; i++) {
		char *want = strchr(argv[i], '=');
		struct symbol *sym;

		if (want)
			*want = 0;
		sym = sym_find(argv[i]);
		if (sym && nrequested < MAX_SEEN)
			requested[nrequested++] = sym;
		if (want)
			*want = '=';
	}
	for (int i = 3; i < argc; i++) {
		char *want = strchr(argv[i], '=');

		if (want)
			*want++ = 0;
		probe(sym_find(argv[i]), argv[i], want, 0);
	}
	return fflush(stdout) ? 1 : 0;
}
