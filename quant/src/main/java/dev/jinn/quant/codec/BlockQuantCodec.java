package dev.jinn.quant.codec;

import dev.jinn.spi.QuantCodec;
import java.lang.foreign.MemorySegment;

/**
 * What the block-quantized codecs (Q4_0, Q8_0, Q4_K, Q5_K, Q6_K) share: their geometry, the range checks done before
 * anything is read or written, and decoding through a staged byte array. Each codec supplies its block decoder and
 * encoder; both see only ranges already checked.
 */
abstract class BlockQuantCodec implements QuantCodec {
    private final String name;
    private final int ggmlType;
    private final int blockElements;
    private final int blockBytes;
    private final Blocks.ArrayDecoder decoder;

    BlockQuantCodec(String name, int ggmlType, int blockElements, int blockBytes, Blocks.ArrayDecoder decoder) {
        this.name = name;
        this.ggmlType = ggmlType;
        this.blockElements = blockElements;
        this.blockBytes = blockBytes;
        this.decoder = decoder;
    }

    @Override
    public final int ggmlType() {
        return ggmlType;
    }

    @Override
    public final String name() {
        return name;
    }

    @Override
    public final int blockElements() {
        return blockElements;
    }

    @Override
    public final int blockBytes() {
        return blockBytes;
    }

    @Override
    public final void decodeBlock(MemorySegment src, long offset, float[] dst, int dstOffset) {
        decode(src, offset, dst, dstOffset, blockElements);
    }

    @Override
    public final void encodeBlock(float[] src, int srcOffset, MemorySegment dst, long offset) {
        encode(src, srcOffset, dst, offset, blockElements);
    }

    @Override
    public final void decode(MemorySegment src, long offset, float[] dst, int dstOffset, int elements) {
        int blocks = Blocks.blocks(name, elements, blockElements);
        Blocks.checkSegment(name, src, offset, blocks, blockBytes);
        Blocks.checkArray(name, "destination", dst, dstOffset, elements);
        Blocks.decodeChunked(src, offset, blocks, blockBytes, blockElements, dst, dstOffset, decoder);
    }

    @Override
    public final void encode(float[] src, int srcOffset, MemorySegment dst, long offset, int elements) {
        int blocks = Blocks.blocks(name, elements, blockElements);
        Blocks.checkArray(name, "source", src, srcOffset, elements);
        Blocks.checkSegment(name, dst, offset, blocks, blockBytes);
        encodeBlocks(src, srcOffset, dst, offset, blocks);
    }

    /** Encodes {@code blocks} blocks from {@code src[srcOffset..]} to {@code dst} at {@code offset}; ranges checked. */
    abstract void encodeBlocks(float[] src, int srcOffset, MemorySegment dst, long offset, int blocks);
}
