package dev.forge.service.demo;

/**
 * The text the demo tokenizer learns its merges from: short plain-English stories in the style of the demo
 * dataset, so common words of the demo's prompts become single tokens. Written for Forge.
 */
final class DemoCorpus {
    private DemoCorpus() {}

    /** The stories, one paragraph per line (the line breaks of the source below are only for reading). */
    static final String TEXT = paragraphs("""
            Once upon a time, a small fox lived at the edge of a quiet forest. Every morning the fox walked to the river
            to drink, and every evening it came home to sleep under an old tree. One day the fox found a map in the
            grass. The map showed a path over the hill and down to the sea. The fox was curious, so it followed the path.
            On the way it met a robot who was looking for the sea too. "Hello," said the robot. "Can we walk together?"
            "Yes," said the fox, "the sea is not far, and a friend makes the road shorter." They walked all day. When the
            sun went down they saw the water shine like a lamp. The robot laughed, and the fox learned that a long way
            is a good way when you share it.

            Once upon a time, there was a little lamp in a window. At night the lamp gave light to the street, and the
            people who walked home were glad. One night the wind was strong and the lamp was afraid. "What if my light
            goes out?" it asked the moon. The moon said, "Then the stars will help you, and in the morning the sun will
            come back." The lamp kept shining until the morning, and the people thanked it with a smile.

            Once upon a time, an old map lay in a box for many years. Nobody opened the box. Then a girl found it and
            read the names of the places: the green valley, the red mountain, the blue lake. She asked her brother to
            come with her, and the two of them went to see every place on the map. They learned that the world is bigger
            than a box, and that a story is better when it is told again.

            The sea was calm and the sky was clear. A small boat sailed from the harbour with three friends on board.
            They sang songs, they caught fish, and they told stories about the time when they were young. In the
            evening they came back to the harbour, tired and happy, and they promised to sail again next summer.
            """);

    private static String paragraphs(String text) {
        return text.strip().replaceAll("(?<!\n)\n(?!\n)", " ").replaceAll("\n\n+", "\n");
    }
}
