package io.vqgen.job;

/** One image to make: a row's image index. Batches are lists of these. */
record ImageTask(WorkItem item, int index) {
    long seed() {
        return item.baseSeed() + index;
    }
}
