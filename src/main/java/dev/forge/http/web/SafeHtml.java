package dev.forge.http.web;

import gg.jte.Content;
import gg.jte.TemplateOutput;

/**
 * HTML that templates may write as it is: made only in this package, by code that escapes every piece of user text it
 * puts in ({@link Highlighter}) or by the sanitizer ({@link Markdown}). Templates never use
 * {@code $unsafe}; this type is the one door for markup that is not the template's own. Immutable.
 */
public final class SafeHtml implements Content {
    static final SafeHtml EMPTY = new SafeHtml("");

    private final String html;

    SafeHtml(String html) {
        this.html = html;
    }

    @Override
    public void writeTo(TemplateOutput output) {
        output.writeContent(html);
    }

    @Override
    public boolean isEmptyContent() {
        return html.isEmpty();
    }

    /** The markup, for tests and size checks. */
    public String html() { return html; }
}
