package dev.jinn.runtime.cpu;

import dev.jinn.Model;
import dev.jinn.ModelOptions;
import dev.jinn.testing.ModelContractTests;
import java.nio.file.Path;

/** The Model contract on the CPU backend, with the golden Qwen2 Q8_0 file (its tokenizer and R1 chat template). */
class CpuModelContractTest extends ModelContractTests {
    @Override
    protected Model openModel() {
        Path gguf = Path.of(System.getProperty("jinn.shared.data"), "golden", "golden-q8_0.gguf");
        return Model.load(gguf, ModelOptions.builder().backend("cpu").threads(2).contextLength(256).build());
    }
}
