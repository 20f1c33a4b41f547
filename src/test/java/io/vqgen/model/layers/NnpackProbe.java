package io.vqgen.model.layers;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.pytorch.engine.PtSymbolBlock;

/**
 * TEST PROGRAM run in a child JVM by {@link NnpackTest} (libtorch writes its warnings to the process's native stderr,
 * which a test can only read from outside): {@code quiet} first calls {@link Nnpack#quietWhereUnsupported}, {@code raw}
 * does not; then both run small convolutions of the kind that make libtorch ask for NNPACK (batch 1, 1×1 and 3×3,
 * one thread, too small for oneDNN), and {@code torch.meshgrid} without {@code indexing=}, which makes libtorch warn
 * through the same C++ logging. Prints the outcome of the switch on stdout.
 */
final class NnpackProbe {
    private NnpackProbe() {
    }

    public static void main(String[] args) {
        boolean quiet = args.length > 0 && args[0].equals("quiet");
        if (quiet) {
            System.out.println("nnpack: " + Nnpack.quietWhereUnsupported());
        }
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray x = m.randomNormal(new Shape(1, 4, 8, 8));
            for (int k : new int[] {1, 3}) {
                NDArray w = m.randomNormal(new Shape(4, 4, k, k));
                for (int i = 0; i < 3; i++) {
                    Conv2d.conv2d(x, w, null, new Shape(1, 1), new Shape(k / 2, k / 2), new Shape(1, 1), 1)
                            .singletonOrThrow().close();
                }
            }
            PtSymbolBlock warn = InlineTorchScript.compile(m, "Warn", """
                      def forward(self: __torch__.Warn, x: Tensor) -> Tensor:
                        return torch.meshgrid([x, x])[0]
                    """);
            InlineTorchScript.run(warn, "forward", m.arange(3f));
        }
        System.out.flush();
        System.err.flush();
    }
}
