package dev.jinn.quant.hf;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class HfTensorNamesTest {
    @Test
    void mapsEveryQwen2TensorAndBack() {
        String[][] pairs = {
            {"model.embed_tokens.weight", "token_embd.weight"},
            {"model.norm.weight", "output_norm.weight"},
            {"lm_head.weight", "output.weight"},
            {"model.layers.0.self_attn.q_proj.weight", "blk.0.attn_q.weight"},
            {"model.layers.0.self_attn.q_proj.bias", "blk.0.attn_q.bias"},
            {"model.layers.12.self_attn.k_proj.weight", "blk.12.attn_k.weight"},
            {"model.layers.12.self_attn.k_proj.bias", "blk.12.attn_k.bias"},
            {"model.layers.47.self_attn.v_proj.bias", "blk.47.attn_v.bias"},
            {"model.layers.47.self_attn.o_proj.weight", "blk.47.attn_output.weight"},
            {"model.layers.3.mlp.gate_proj.weight", "blk.3.ffn_gate.weight"},
            {"model.layers.3.mlp.up_proj.weight", "blk.3.ffn_up.weight"},
            {"model.layers.3.mlp.down_proj.weight", "blk.3.ffn_down.weight"},
            {"model.layers.3.input_layernorm.weight", "blk.3.attn_norm.weight"},
            {"model.layers.3.post_attention_layernorm.weight", "blk.3.ffn_norm.weight"},
        };
        for (String[] p : pairs) {
            assertThat(HfTensorNames.toGguf(p[0])).as(p[0]).contains(p[1]);
            assertThat(HfTensorNames.requireGguf(p[0])).isEqualTo(p[1]);
            assertThat(HfTensorNames.toHf(p[1])).as(p[1]).contains(p[0]);
        }
    }

    @Test
    void unknownNamesHaveNoMapping() {
        assertThat(HfTensorNames.toGguf("model.layers.0.self_attn.rotary_emb.inv_freq")).isEmpty();
        assertThat(HfTensorNames.isIgnored("model.layers.0.self_attn.rotary_emb.inv_freq")).isTrue();
        assertThat(HfTensorNames.toGguf("model.layers.x.mlp.up_proj.weight")).isEmpty();
        assertThat(HfTensorNames.toGguf("model.layers.0.mlp.side_proj.weight")).isEmpty();
        assertThat(HfTensorNames.toGguf("transformer.h.0.attn.c_attn.weight")).isEmpty();
        assertThat(HfTensorNames.toHf("blk.0.attn_qkv.weight")).isEmpty();
        assertThatThrownBy(() -> HfTensorNames.requireGguf("vision.patch_embed.weight"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("vision.patch_embed.weight");
    }
}
