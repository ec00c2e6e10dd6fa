package dev.jinn.cli;

import dev.jinn.FinishReason;
import dev.jinn.GenerationEvent;
import dev.jinn.GenerationListener;
import dev.jinn.Usage;
import java.io.PrintWriter;
import java.util.Locale;

/**
 * Prints generation events: the answer as it comes; the reasoning apart from it (dim on a terminal, between
 * {@code <think>} and {@code </think>} lines otherwise), or not at all.
 */
final class EventPrinter implements GenerationListener {
    private static final String DIM = "\u001b[2m";
    private static final String RESET = "\u001b[0m";

    private final PrintWriter out;
    private final boolean ansi;
    private final boolean showReasoning;
    private boolean inReasoning;
    private boolean printedAnything;

    EventPrinter(PrintWriter out, boolean ansi, boolean showReasoning) {
        this.out = out;
        this.ansi = ansi;
        this.showReasoning = showReasoning;
    }

    @Override
    public void onEvent(GenerationEvent event) {
        switch (event) {
            case GenerationEvent.Reasoning r -> {
                if (!showReasoning) {
                    return;
                }
                if (!inReasoning) {
                    out.print(ansi ? DIM : "<think>\n");
                    inReasoning = true;
                }
                out.print(r.text());
                printedAnything = true;
            }
            case GenerationEvent.Answer a -> {
                endReasoning();
                out.print(a.text());
                printedAnything = true;
            }
            case GenerationEvent.Done d -> {
                if (inReasoning) { // ended while still thinking (length, cancel)
                    out.print(ansi ? RESET : "\n</think>");
                    inReasoning = false;
                }
                if (printedAnything) {
                    out.println();
                }
            }
        }
        out.flush();
    }

    private void endReasoning() {
        if (inReasoning) {
            out.print(ansi ? RESET + "\n\n" : "\n</think>\n\n");
            inReasoning = false;
        }
    }

    static String statistics(GenerationEvent.Done d) {
        Usage u = d.usage();
        String s = String.format(Locale.ROOT,
                "prompt: %d tokens (%d cached), %.1f tok/s | generated: %d tokens (%d reasoning), %.1f tok/s | finish: %s",
                u.promptTokens(), u.cachedPromptTokens(), u.prefillTokensPerSecond(), u.completionTokens(),
                u.reasoningTokens(), u.decodeTokensPerSecond(), d.finishReason().name().toLowerCase(Locale.ROOT));
        return d.finishReason() == FinishReason.ERROR ? s + " (" + d.error().getMessage() + ")" : s;
    }
}
