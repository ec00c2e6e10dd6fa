package dev.jinn.cli;

import dev.jinn.engine.Backends;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.ParentCommand;

/** {@code jinn backends}: the compute backends found, whether each can run here and why, and which is chosen. */
@Command(name = "backends", mixinStandardHelpOptions = true,
        description = "List the compute backends found, whether each is available and why, and which is chosen.")
final class BackendsCommand implements Callable<Integer> {
    @ParentCommand
    JinnCli root;

    @Override
    public Integer call() {
        root.out().print(Backends.describe());
        root.out().flush();
        return JinnCli.EXIT_OK;
    }
}
