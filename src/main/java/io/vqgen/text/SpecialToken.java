package io.vqgen.text;

/**
 * A token that is cut out of the raw prompt before any cleanup and never split. As in transformers 4.30, a token
 * given as a plain string eats the whitespace on both sides; one given as an {@code AddedToken} object only on the
 * sides its {@code lstrip}/{@code rstrip} flags name.
 *
 * @param content the literal text
 * @param id its vocabulary id
 * @param stripLeft strip whitespace at the end of the text before it
 * @param stripRight strip whitespace at the start of the text after it
 */
record SpecialToken(String content, int id, boolean stripLeft, boolean stripRight) {
}
