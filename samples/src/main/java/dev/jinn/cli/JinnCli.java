package dev.jinn.cli;

import dev.jinn.InvalidOptionException;
import dev.jinn.JinnException;
import dev.jinn.ModelFileException;
import dev.jinn.StateFileException;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
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
            GenerateCommand.class,
            ChatCommand.class,
            BenchCommand.class,
            EstimateCommand.class,
            InspectCommand.class,
            TokenizeCommand.class,
            LogitsCommand.class,
            ConvertCommand.class,
            SynthCommand.class,
            BackendsCommand.class,
            ServeCommand.class,
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

    private PrintWriter out;
    private PrintWriter err;
    private BufferedReader in;
    private boolean ansi;

    PrintWriter out() {
        return out;
    }

    PrintWriter err() {
        return err;
    }

    BufferedReader in() {
        return in;
    }

    /** Whether stdout is a terminal (reasoning is then printed dim). */
    boolean ansi() {
        return ansi;
    }

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    public static void main(String[] args) {
        java.io.Console console = System.console();
        boolean terminal = console != null && console.isTerminal() && System.getenv("NO_COLOR") == null;
        PrintWriter out = new PrintWriter(new java.io.OutputStreamWriter(System.out, StandardCharsets.UTF_8), true);
        System.exit(execute(args, new InputStreamReader(System.in, StandardCharsets.UTF_8), out,
                new PrintWriter(new java.io.OutputStreamWriter(System.err, StandardCharsets.UTF_8), true), terminal));
    }

    /** Runs the command line with the given streams and returns the exit code (for tests). */
    public static int execute(String[] args, PrintWriter out, PrintWriter err) {
        return execute(args, new java.io.StringReader(""), out, err, false);
    }

    /**
     * Runs the command line with the given streams and returns the exit code.
     *
     * @param ansi whether {@code out} is a terminal (reasoning is printed dim)
     */
    public static int execute(String[] args, Reader in, PrintWriter out, PrintWriter err, boolean ansi) {
        JinnCli root = new JinnCli();
        root.out = out;
        root.err = err;
        root.in = in instanceof BufferedReader b ? b : new BufferedReader(in);
        root.ansi = ansi;
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
        if (t instanceof ModelFileException || t instanceof StateFileException || t instanceof UncheckedIOException
                || t instanceof java.io.IOException || t instanceof NoSuchFileException) {
            return EXIT_FILE;
        }
        if (t instanceof IllegalArgumentException || t instanceof InvalidOptionException
                || t instanceof CommandLine.ParameterException) {
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
