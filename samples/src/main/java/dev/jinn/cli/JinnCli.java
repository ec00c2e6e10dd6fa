package dev.jinn.cli;

import dev.jinn.JinnException;
import dev.jinn.ModelFileException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.NoSuchFileException;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code jinn} command line. Exit codes: 0 ok, 1 usage error, 2 model or file error, 3 runtime error.
 * Errors print as one line; {@code --verbose} adds the stack trace.
 */
@Command(
        name = "jinn",
        mixinStandardHelpOptions = true,
        versionProvider = JinnCli.Version.class,
        description = "Run Qwen2- and Llama-family language models (GGUF, safetensors) in the JVM.",
        subcommands = {
            InspectCommand.class,
            TokenizeCommand.class,
        })
public final class JinnCli implements Runnable {
    static final int EXIT_OK = 0;
    static final int EXIT_USAGE = 1;
    static final int EXIT_FILE = 2;
    static final int EXIT_RUNTIME = 3;

    @CommandLine.Option(names = "--verbose", scope = CommandLine.ScopeType.INHERIT,
            description = "Print stack traces with errors.")
    boolean verbose;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    public static void main(String[] args) {
        System.exit(execute(args, new PrintWriter(System.out, true), new PrintWriter(System.err, true)));
    }

    /** Runs the command line with the given streams and returns the exit code (for tests). */
    public static int execute(String[] args, PrintWriter out, PrintWriter err) {
        JinnCli root = new JinnCli();
        CommandLine cl = new CommandLine(root);
        cl.setOut(out);
        cl.setErr(err);
        cl.setExitCodeExceptionMapper(JinnCli::exitCodeOf);
        cl.setParameterExceptionHandler((ex, a) -> {
            err.println("jinn: " + ex.getMessage());
            CommandLine.UnmatchedArgumentException.printSuggestions(ex, err);
            err.println("Try '" + ex.getCommandLine().getCommandSpec().qualifiedName() + " --help'.");
            return EXIT_USAGE;
        });
        cl.setExecutionExceptionHandler((ex, c, parsed) -> {
            err.println("jinn: " + messageOf(ex));
            if (root.verbose) {
                ex.printStackTrace(err);
            }
            err.flush();
            return exitCodeOf(ex);
        });
        return cl.execute(args);
    }

    static int exitCodeOf(Throwable t) {
        if (t instanceof ModelFileException || t instanceof UncheckedIOException
                || t instanceof java.io.IOException || t instanceof NoSuchFileException) {
            return EXIT_FILE;
        }
        if (t instanceof IllegalArgumentException || t instanceof CommandLine.ParameterException) {
            return EXIT_USAGE;
        }
        return EXIT_RUNTIME;
    }

    private static String messageOf(Throwable t) {
        if (t instanceof JinnException || t.getMessage() != null && t.getCause() == null) {
            return t.getMessage();
        }
        String m = t.getMessage();
        return t.getClass().getSimpleName() + (m == null ? "" : ": " + m);
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = JinnCli.class.getPackage().getImplementationVersion();
            return new String[] {"jinn " + (v == null ? "development build" : v)};
        }
    }
}
