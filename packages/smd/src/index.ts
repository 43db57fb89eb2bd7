/** @smd/smd: SMD theory (equilibria, mean-field trajectories, rates), probes and scale-invariance detection. */
export const SMD_PACKAGE = '@smd/smd';
