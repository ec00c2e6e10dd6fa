package dev.jinn.cli;

import dev.jinn.GenerationEvent;
import dev.jinn.Model;
import dev.jinn.Prompt;
import dev.jinn.Session;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/** {@code jinn generate PROMPT}: one answer, streamed on stdout; statistics on stderr. */
@Command(name = "generate", mixinStandardHelpOptions = true,
        description = "Generate text for a prompt, streamed on stdout (statistics on stderr).")
final class GenerateCommand implements Callable<Integer> {
    @ParentCommand
    JinnCli root;

    @Mixin
    ModelArgs modelArgs = new ModelArgs();

    @Mixin
    SamplingArgs sampling = new SamplingArgs();

    @Option(names = "--raw", description = "Use the prompt as is: no chat template; BOS as the model says, special "
            + "tokens in the text parsed.")
    boolean raw;

    @Option(names = "--hide-reasoning", description = "Do not print the text inside <think>…</think>.")
    boolean hideReasoning;

    @Parameters(arity = "1..*", paramLabel = "PROMPT", description = "The prompt (several words are joined by spaces).")
    String[] prompt;

    @Override
    public Integer call() {
        String text = String.join(" ", prompt);
        try (Model model = modelArgs.load(); Session session = model.newSession()) {
            boolean useRaw = raw;
            if (!raw && model.info().chatTemplate().isEmpty()) {
                root.err().println("jinn: " + model.info().name() + " has no chat template; using the prompt as raw "
                        + "text (as with --raw)");
                useRaw = true;
            }
            Prompt p = useRaw ? Prompt.raw(text) : Prompt.user(text);
            if (useRaw) {
                root.out().print(text);
            }
            EventPrinter printer = new EventPrinter(root.out(), root.ansi(), !hideReasoning);
            GenerationEvent.Done done = session.generate(p, sampling.options(model.info()), printer);
            root.err().println(EventPrinter.statistics(done));
            root.err().flush();
            if (done.error() != null) {
                throw done.error();
            }
        }
        return JinnCli.EXIT_OK;
    }
}
