// Preloaded (node -r) by bench/synth.ts into the synth process: reports its peak RSS as it exits.
process.on('exit', () => process.stderr.write(`\nBENCH ${JSON.stringify({ maxRss: process.resourceUsage().maxRSS })}\n`));
