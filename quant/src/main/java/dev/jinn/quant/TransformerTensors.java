package dev.jinn.quant;

import java.util.ArrayList;
import java.util.List;

/**
 * The tensors of a Qwen2- or Llama-architecture GGUF model, by name and GGUF dims (innermost first), in the order
 * llama.cpp writes them. Used to plan memory for a model that is not converted yet and to write synthetic models.
 */
public final class TransformerTensors {
    private TransformerTensors() {}

    /** One tensor: its GGUF name and dims (innermost first). */
    public record Entry(String name, long[] dims) {
        public long elements() {
            long n = 1;
            for (long d : dims) {
                n *= d;
            }
            return n;
        }
    }

    /**
     * @param architecture {@code qwen2} (Q/K/V biases) or {@code llama}
     * @param tied         no {@code output.weight}
     */
    public static List<Entry> of(String architecture, int hidden, int layers, int heads, int kvHeads, int ffn, int vocab,
                                 boolean tied) {
        boolean qwen = architecture.equals("qwen2");
        long kv = (long) kvHeads * (hidden / heads);
        List<Entry> l = new ArrayList<>();
        l.add(new Entry("token_embd.weight", new long[] {hidden, vocab}));
        for (int i = 0; i < layers; i++) {
            String p = "blk." + i + ".";
            l.add(new Entry(p + "attn_norm.weight", new long[] {hidden}));
            l.add(new Entry(p + "attn_q.weight", new long[] {hidden, hidden}));
            l.add(new Entry(p + "attn_k.weight", new long[] {hidden, kv}));
            l.add(new Entry(p + "attn_v.weight", new long[] {hidden, kv}));
            if (qwen) {
                l.add(new Entry(p + "attn_q.bias", new long[] {hidden}));
                l.add(new Entry(p + "attn_k.bias", new long[] {kv}));
                l.add(new Entry(p + "attn_v.bias", new long[] {kv}));
            }
            l.add(new Entry(p + "attn_output.weight", new long[] {hidden, hidden}));
            l.add(new Entry(p + "ffn_norm.weight", new long[] {hidden}));
            l.add(new Entry(p + "ffn_gate.weight", new long[] {hidden, ffn}));
            l.add(new Entry(p + "ffn_up.weight", new long[] {hidden, ffn}));
            l.add(new Entry(p + "ffn_down.weight", new long[] {ffn, hidden}));
        }
        l.add(new Entry("output_norm.weight", new long[] {hidden}));
        if (!tied) {
            l.add(new Entry("output.weight", new long[] {hidden, vocab}));
        }
        return l;
    }
}
