package dev.jinn.cli;

import dev.jinn.GenerationEvent;
import dev.jinn.GenerationOptions;
import dev.jinn.JinnException;
import dev.jinn.Model;
import dev.jinn.Prompt;
import dev.jinn.Session;
import dev.jinn.SessionOptions;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/** {@code jinn chat}: an interactive conversation; /reset, /save FILE, /load FILE, /quit. */
@Command(name = "chat", mixinStandardHelpOptions = true,
        description = "Chat interactively (streaming; commands: /reset, /save FILE, /load FILE, /quit).")
final class ChatCommand implements Callable<Integer> {
    @ParentCommand
    JinnCli root;

    @Mixin
    ModelArgs modelArgs = new ModelArgs();

    @Mixin
    SamplingArgs sampling = new SamplingArgs();

    @Option(names = "--system", paramLabel = "TEXT", description = "A system prompt.")
    String system;

    @Option(names = "--hide-reasoning", description = "Do not print the text inside <think>…</think>.")
    boolean hideReasoning;

    @Override
    public Integer call() throws IOException {
        PrintWriter out = root.out();
        PrintWriter err = root.err();
        BufferedReader in = root.in();
        try (Model model = modelArgs.load()) {
            if (model.info().chatTemplate().isEmpty()) {
                throw new JinnException(model.info().name() + " has no chat template, so it cannot chat; use "
                        + "`jinn generate --raw` with it, or a chat model");
            }
            SessionOptions sessionOptions = SessionOptions.builder().systemPrompt(system).build();
            Session session = model.newSession(sessionOptions);
            GenerationOptions options = sampling.options(model.info());
            out.println("Chatting with " + model.info().name() + " (" + model.info().backend()
                    + "). Commands: /reset, /save FILE, /load FILE, /quit");
            while (true) {
                out.print("> ");
                out.flush();
                String line = in.readLine();
                if (line == null || line.strip().equals("/quit") || line.strip().equals("/exit")) {
                    break;
                }
                line = line.strip();
                if (line.isEmpty()) {
                    continue;
                }
                try {
                    if (line.equals("/reset")) {
                        session.reset();
                        out.println("(conversation cleared)");
                    } else if (line.startsWith("/save ")) {
                        Path file = Path.of(line.substring(6).strip());
                        session.save(file);
                        out.println("(saved " + session.history().size() + " turns to " + file + ")");
                    } else if (line.startsWith("/load ")) {
                        Path file = Path.of(line.substring(6).strip());
                        Session restored = Session.restore(model, file);
                        session.close();
                        session = restored;
                        out.println("(loaded " + session.history().size() + " turns from " + file + ")");
                    } else if (line.startsWith("/")) {
                        out.println("(unknown command " + line.split("\\s+")[0]
                                + "; commands: /reset, /save FILE, /load FILE, /quit)");
                    } else {
                        EventPrinter printer = new EventPrinter(out, root.ansi(), !hideReasoning);
                        GenerationEvent.Done done = session.generate(Prompt.user(line), options, printer);
                        err.println(EventPrinter.statistics(done));
                        err.flush();
                    }
                } catch (JinnException e) {
                    // a bad command or an overflow ends the turn, not the chat
                    err.println("jinn: " + e.getMessage());
                    err.flush();
                }
            }
            session.close();
        }
        return JinnCli.EXIT_OK;
    }
}
