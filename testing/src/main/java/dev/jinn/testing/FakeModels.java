package dev.jinn.testing;

import dev.jinn.ModelInfo;
import dev.jinn.Sampler;
import dev.jinn.engine.session.EngineModel;
import java.util.Set;

/**
 * Builds engine {@link EngineModel}s over a {@link FakeTransformer} and {@link FakeTokenizer}: the real session
 * layer (cache reuse, sampling, stop strings, reasoning, save/restore) without weights.
 */
public final class FakeModels {
    private FakeModels() {}

    /** A reasoning chat model (R1-shaped template) with random logits. */
    public static EngineModel random(int contextLength, long seed) {
        FakeTokenizer tok = new FakeTokenizer();
        return create("fake-random-" + seed, FakeTransformer.random(tok.vocabularySize(), contextLength, seed), tok,
                true);
    }

    /** A reasoning chat model that answers turn n with {@code replies[n]} (the last one repeated). */
    public static EngineModel replying(int contextLength, String... replies) {
        FakeTokenizer tok = new FakeTokenizer();
        return create("fake-replying", FakeTransformer.replying(tok, contextLength, replies), tok, true);
    }

    /**
     * @param name        the model's name; also its identity (sessions restore only into a model of the same name)
     * @param transformer the fake forward pass (its config's context length is the model's)
     * @param reasoning   whether the generation prompt opens {@code <think>}
     */
    public static EngineModel create(String name, FakeTransformer transformer, FakeTokenizer tok, boolean reasoning) {
        int ctx = transformer.config().contextLength();
        ModelInfo info = new ModelInfo(name, "fake", 0, 1, 16, 1, 1, tok.vocabularySize(), ctx, ctx, Set.of("F32"),
                "(FakeChatFormat)", tok.controlTokens(), FakeTokenizer.BOS, FakeTokenizer.EOS, "fake",
                "fake:" + name, Sampler.deepSeekR1Distill());
        return new EngineModel(info, transformer, tok, new FakeChatFormat(reasoning), null);
    }
}
