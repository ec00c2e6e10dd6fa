package dev.jinn.cli;

import dev.jinn.quant.convert.Progress;
import java.io.PrintWriter;

/**
 * Progress on stderr: a redrawn bar when stderr is a terminal, otherwise a plain line every 10%.
 */
final class ProgressBar implements Progress {
    private static final int WIDTH = 30;
    private final PrintWriter err;
    private final String label;
    private final boolean terminal;
    private final long start = System.nanoTime();
    private int lastTenth = -1;
    private long lastDraw;

    ProgressBar(PrintWriter err, String label) {
        this(err, label, System.console() != null && System.console().isTerminal());
    }

    ProgressBar(PrintWriter err, String label, boolean terminal) {
        this.err = err;
        this.label = label;
        this.terminal = terminal;
    }

    @Override
    public void update(long done, long total) {
        double f = total <= 0 ? 1 : (double) done / total;
        double secs = (System.nanoTime() - start) / 1e9;
        if (terminal) {
            long now = System.nanoTime();
            if (done < total && now - lastDraw < 100_000_000L) {
                return;
            }
            lastDraw = now;
            int filled = (int) Math.round(f * WIDTH);
            err.printf("\r%s [%s%s] %3.0f%%  %s / %s  %.1f s", label, "#".repeat(filled), " ".repeat(WIDTH - filled),
                    f * 100, Bytes.format(done), Bytes.format(total), secs);
            if (done >= total) {
                err.println();
            }
            err.flush();
        } else {
            int tenth = (int) Math.floor(f * 10);
            if (tenth != lastTenth) {
                lastTenth = tenth;
                err.printf("%s: %3d%%  %s / %s  %.1f s%n", label, tenth * 10, Bytes.format(done), Bytes.format(total), secs);
                err.flush();
            }
        }
    }
}
