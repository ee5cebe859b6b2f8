export { diffStack, diffSynthOutputs, BLOCK_KINDS, type AttributeChange, type BlockChange, type BlockKind, type ChangeAction, type StackDiff } from './diff';
export { loadSynthOutput, SynthDiffError, type SynthOutput, type TerraformJson } from './load';
export { renderMarkdown, type RenderOptions } from './render';
export { containsSensitive, isSensitivePath, looksLikeSecret } from './sensitive';
export { resolveGitRef, synthesize, synthesizeGitRef, type SynthOptions } from './synth';
