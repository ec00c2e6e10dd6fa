package dev.jinn.cli;

import dev.jinn.Model;
import dev.jinn.ModelFileException;
import dev.jinn.ModelOptions;
import dev.jinn.spi.ModelFactory;
import dev.jinn.testing.FakeModels;
import dev.jinn.testing.FakeTokenizer;
import dev.jinn.testing.FakeTransformer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Test-only factory (registered in src/test/resources): a {@code *.fake-model} file holds the reply the fake
 * transformer gives every turn, so the CLI runs through Model.load, the engine's sessions and the event stream
 * without weights. A first line {@code raw} makes a model without chat template.
 */
public final class FakeModelFactory implements ModelFactory {
    @Override
    public String name() {
        return "fake-model";
    }

    @Override
    public int priority() {
        return 100;
    }

    @Override
    public boolean canLoad(Path path) {
        return path.getFileName().toString().endsWith(".fake-model");
    }

    @Override
    public Model load(Path path, ModelOptions options) {
        try {
            String reply = Files.readString(path);
            boolean raw = reply.startsWith("raw\n");
            FakeTokenizer tok = new FakeTokenizer();
            int ctx = options.contextLength() == 0 ? 512 : options.contextLength();
            FakeTransformer tf = FakeTransformer.replying(tok, ctx, raw ? reply.substring(4) : reply);
            var m = FakeModels.create(path.getFileName().toString(), tf, tok, !raw);
            if (raw) {
                var i = m.info();
                return new dev.jinn.engine.session.EngineModel(new dev.jinn.ModelInfo(i.name(), i.architecture(),
                        0, 1, 16, 1, 1, i.vocabularySize(), ctx, ctx, i.codecs(), "", i.specialTokens(),
                        i.bosToken(), i.eosToken(), i.backend(), i.identity(), dev.jinn.Sampler.greedy()),
                        tf, tok, new dev.jinn.testing.FakeChatFormat(false), null);
            }
            return m;
        } catch (IOException e) {
            throw new ModelFileException(path, "cannot read: " + e.getMessage());
        }
    }
}
