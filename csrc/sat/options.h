/* Every option of the solver, in one table: name, default, minimum, maximum,
 * description.  The Python API, the CLI and the docs read it through
 * osat_option_info; the solver reads s->opts.<name>. */
#ifndef OSAT_OPTIONS_H
#define OSAT_OPTIONS_H

#define OSAT_OPTIONS(OPT) \
  OPT(seed, 0, 0, 2147483647, "random seed (0: deterministic initial order)") \
  OPT(phase, 1, 0, 1, "initial phase of undecided variables (1 true, 0 false)") \
  OPT(minimize, 1, 0, 1, "recursive minimization of learned clauses") \
  OPT(vmtf, 0, 0, 1, "VMTF decisions in focused mode (off: measured slower here)") \
  OPT(decay, 950, 500, 999, "EVSIDS score decay in focused mode (per mille)") \
  OPT(stabledecay, 975, 500, 999, "EVSIDS score decay in stable mode (per mille)") \
  OPT(restartint, 2, 1, 10000, "minimum conflicts between focused-mode restarts") \
  OPT(restartmargin, 10, 0, 100, "fast LBD average must exceed slow by this percent") \
  OPT(stable, 1, 0, 1, "alternate focused and stable (target phase, Luby) modes") \
  OPT(stableinit, 1000, 10, 1000000000, "conflicts of the first focused phase") \
  OPT(stablefactor, 200, 101, 1000, "growth of mode-phase lengths (percent)") \
  OPT(lubybase, 1024, 1, 1000000, "conflicts per Luby unit in stable mode") \
  OPT(target, 1, 0, 2, "target phases: 0 off, 1 stable mode, 2 always") \
  OPT(rephase, 1, 0, 1, "periodically reset saved phases (best, original, inverted)") \
  OPT(rephaseint, 1000, 10, 1000000000, "conflicts between rephasings (grows)") \
  OPT(predictinit, 1, 0, 1, "confident predicted phases are the initial phases") \
  OPT(predictrephase, 0, 0, 3, "confident predictions in rephasing: 1 original, 2 inverted, 3 both") \
  OPT(predicthigh, 900, 500, 1000, "prediction score (per mille) above which the phase is true") \
  OPT(predictlow, 100, 0, 500, "prediction score (per mille) below which the phase is false") \
  OPT(reduceint, 300, 10, 1000000, "base conflict interval of clause reductions") \
  OPT(reducefraction, 75, 10, 100, "percent of reducible learned clauses deleted") \
  OPT(tier1, 2, 1, 100, "learned clauses with glue <= tier1 are kept forever") \
  OPT(tier2, 6, 1, 1000, "glue <= tier2 survive a reduction when used since") \
  OPT(simplify, 1, 0, 1, "remove level-0 satisfied clauses and false literals") \
  OPT(simplifyint, 2000, 1, 1000000000, "minimum conflicts between simplifications") \
  OPT(vivify, 1, 0, 1, "vivify tier-2 learned clauses after reductions") \
  OPT(vivifyeffort, 30, 0, 1000, "vivification propagations per mille of search's") \
  OPT(vivifyirred, 0, 0, 1, "vivify irredundant clauses too (after learned ones)") \
  OPT(vivifyirredeffort, 10, 0, 1000, "irredundant vivification propagations per mille of search's") \
  OPT(preprocess, 1, 0, 1, "an inprocessing round before the first search") \
  OPT(inprocess, 1, 0, 1, "inprocessing rounds during search") \
  OPT(inprocessint, 2000, 1, 1000000000, "conflicts between inprocessing rounds (grows)") \
  OPT(probe, 1, 0, 1, "failed-literal probing of binary implication roots") \
  OPT(probeeffort, 10, 0, 100000, "probing ticks per mille of search ticks") \
  OPT(hbr, 0, 0, 1, "hyper-binary resolvents that subsume their clause replace it (probing)") \
  OPT(substitute, 1, 0, 1, "equivalent-literal substitution (binary implication SCCs)") \
  OPT(subsume, 1, 0, 1, "subsumption and self-subsuming strengthening") \
  OPT(subsumeeffort, 100, 0, 100000, "subsumption ticks per mille of search ticks") \
  OPT(forward, 0, 0, 1, "forward subsumption and strengthening of all clauses, learned included") \
  OPT(forwardeffort, 50, 0, 100000, "forward-subsumption ticks per mille of search ticks") \
  OPT(elim, 1, 0, 1, "bounded variable elimination") \
  OPT(elimeffort, 200, 0, 100000, "elimination ticks per mille of search ticks") \
  OPT(elimbound, 0, 0, 1000, "resolvents allowed beyond the clauses removed") \
  OPT(elimlits, 1, 0, 1, "resolvents have no more literals than the clauses removed") \
  OPT(elimocclim, 100, 1, 100000, "variables in more clauses are not eliminated") \
  OPT(elimclslim, 100, 2, 100000, "longest clause taking part in elimination") \
  OPT(gates, 1, 0, 1, "AND and equivalence gates restrict resolvents") \
  OPT(ites, 0, 0, 1, "if-then-else gates restrict resolvents (with gates)") \
  OPT(xors, 0, 0, 1, "XOR gates restrict resolvents (with gates)") \
  OPT(xorsize, 5, 3, 5, "most variables of an XOR gate, the defined one included") \
  OPT(preprocesseffort, 20, 0, 100000, "first-round ticks per literal (per 100 per mille of effort)") \
  OPT(transred, 0, 0, 1, "transitive reduction of binary implications") \
  OPT(transredeffort, 10, 0, 100000, "transitive-reduction ticks per mille of search ticks") \
  OPT(verbose, 0, 0, 3, "progress lines (with osat_set_report)")

#endif
