package org.devmirror.bench.report;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * A GitHub-flavoured Markdown table with aligned columns, so it reads as well in a terminal as
 * rendered. Cells containing {@code |} are escaped.
 */
public final class MarkdownTable {
    private final List<String> header;
    private final boolean[] rightAligned;
    private final List<List<String>> rows = new ArrayList<>();

    /** A table with these column headers; a header ending in {@code ">"} is right-aligned (numbers). */
    public MarkdownTable(String... columns) {
        if (columns.length == 0) {
            throw new IllegalArgumentException("columns is empty; a table needs at least one column");
        }
        List<String> h = new ArrayList<>();
        rightAligned = new boolean[columns.length];
        for (int i = 0; i < columns.length; i++) {
            rightAligned[i] = columns[i].endsWith(">");
            h.add(rightAligned[i] ? columns[i].substring(0, columns[i].length() - 1) : columns[i]);
        }
        header = Collections.unmodifiableList(h);
    }

    /** Appends a row; it must have one cell per column. */
    public MarkdownTable row(String... cells) {
        if (cells.length != header.size()) {
            throw new IllegalArgumentException(
                    "cells.length=" + cells.length + " but the table has " + header.size() + " columns");
        }
        List<String> row = new ArrayList<>(cells.length);
        for (String c : cells) {
            row.add(c == null ? "" : c.replace("|", "\\|"));
        }
        rows.add(row);
        return this;
    }

    public int rowCount() {
        return rows.size();
    }

    /** The table as Markdown, one line per row, ending with a newline. */
    public String render() {
        int[] width = new int[header.size()];
        for (int i = 0; i < width.length; i++) {
            width[i] = Math.max(3, header.get(i).length());
            for (List<String> row : rows) {
                width[i] = Math.max(width[i], row.get(i).length());
            }
        }
        StringBuilder sb = new StringBuilder();
        line(header, width, sb);
        sb.append('|');
        for (int i = 0; i < width.length; i++) {
            sb.append(' ')
                    .append("-".repeat(width[i] - 1))
                    .append(rightAligned[i] ? ':' : '-')
                    .append(" |");
        }
        sb.append('\n');
        for (List<String> row : rows) {
            line(row, width, sb);
        }
        return sb.toString();
    }

    private void line(List<String> cells, int[] width, StringBuilder sb) {
        sb.append('|');
        for (int i = 0; i < cells.size(); i++) {
            String c = cells.get(i);
            String pad = " ".repeat(width[i] - c.length());
            sb.append(' ').append(rightAligned[i] ? pad + c : c + pad).append(" |");
        }
        sb.append('\n');
    }
}
