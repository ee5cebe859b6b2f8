// synth-diff library: loadSynthOutput -> diffSynthOutputs -> renderMarkdown; cli.ts is the thin
// command-line wrapper, synth.ts synthesizes a directory or a git revision for it.
export { diffStack, diffSynthOutputs, BLOCK_KINDS, type AttributeChange, type BlockChange, type BlockKind, type ChangeAction, type StackDiff } from './diff';
export { loadSynthOutput, SynthDiffError, type SynthOutput, type TerraformJson } from './load';
export { renderMarkdown, type RenderOptions } from './render';
export { containsSensitive, isSensitivePath, looksLikeSecret } from './sensitive';
export { resolveGitRef, synthesize, synthesizeGitRef, type SynthOptions } from './synth';
