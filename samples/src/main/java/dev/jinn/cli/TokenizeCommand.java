package dev.jinn.cli;

import dev.jinn.ModelFileException;
import dev.jinn.quant.gguf.GgufFile;
import dev.jinn.tokenizer.Tokenizer;
import dev.jinn.tokenizer.Tokenizers;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code jinn tokenize --model FILE [--special] [--no-bos] TEXT} prints the token ids separated by spaces;
 * {@code jinn tokenize --model FILE --decode 1,2,3} prints the text of the ids.
 */
@Command(name = "tokenize", mixinStandardHelpOptions = true,
        description = "Print the token ids of TEXT, or with --decode the text of token ids.")
final class TokenizeCommand implements Callable<Integer> {
    @Option(names = "--model", required = true, paramLabel = "FILE",
            description = "A GGUF file, a tokenizer.json, a Hugging Face model folder or a llama2.c tokenizer .bin.")
    Path model;

    @Option(names = "--special", description = "Parse added/special tokens such as <｜User｜> in TEXT.")
    boolean special;

    @Option(names = "--no-bos", description = "Do not prepend BOS (by default it is added when the model asks for it).")
    boolean noBos;

    @Option(names = "--decode", paramLabel = "IDS", split = ",", description = "Decode these comma-separated ids instead.")
    int[] decode;

    @Parameters(index = "0", arity = "0..1", paramLabel = "TEXT", description = "The text to tokenize.")
    String text;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        if ((decode == null) == (text == null)) {
            throw new CommandLine.ParameterException(spec.commandLine(), "give either TEXT or --decode IDS");
        }
        Tokenizer tok = load(model);
        if (decode != null) {
            out.println(tok.decode(decode));
        } else {
            int[] ids = tok.encode(text, !noBos && tok.addBosByDefault(), special);
            out.println(Arrays.stream(ids).mapToObj(Integer::toString).collect(Collectors.joining(" ")));
        }
        out.flush();
        return JinnCli.EXIT_OK;
    }

    static Tokenizer load(Path model) {
        if (Files.isDirectory(model)) {
            if (Files.isRegularFile(model.resolve("tokenizer.json"))) {
                return Tokenizers.fromTokenizerJson(model);
            }
            throw new ModelFileException(model, "folder has no tokenizer.json");
        }
        if (!Files.isRegularFile(model)) {
            throw new ModelFileException(model, "no such file");
        }
        if (isGguf(model)) {
            try (GgufFile f = GgufFile.open(model)) {
                return Tokenizers.fromGguf(f.metadata());
            }
        }
        if (model.getFileName().toString().endsWith(".json")) {
            return Tokenizers.fromTokenizerJson(model);
        }
        if (model.getFileName().toString().endsWith(".bin")) {
            return Tokenizers.fromLlama2c(model);
        }
        throw new ModelFileException(model, "is neither a GGUF file, a tokenizer.json nor a llama2.c tokenizer .bin");
    }

    private static boolean isGguf(Path p) {
        try (InputStream in = Files.newInputStream(p)) {
            byte[] magic = in.readNBytes(4);
            return Arrays.equals(magic, new byte[] {'G', 'G', 'U', 'F'});
        } catch (IOException e) {
            throw new ModelFileException(p, "cannot read: " + e.getMessage(), e);
        }
    }
}
