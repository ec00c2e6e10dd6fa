package dev.jinn.testing;

import dev.jinn.Model;

/** The contract suite over the engine's session layer with the fake transformer. */
class FakeModelContractTest extends ModelContractTests {
    @Override
    protected Model openModel() {
        return FakeModels.random(512, 77);
    }

    @Override
    protected int maxTokens() {
        return 16;
    }
}
