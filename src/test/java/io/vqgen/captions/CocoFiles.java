package io.vqgen.captions;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Small files in MSCOCO's caption-annotation format (captions_val2014.json's layout, a handful of its rows). */
public final class CocoFiles {
    public static final String VAL_SAMPLE = """
            {"info": {"description": "COCO 2014 Dataset", "version": "1.0", "year": 2014},
             "images": [
              {"license": 4, "file_name": "COCO_val2014_000000203564.jpg", "height": 400, "width": 600, "id": 203564},
              {"license": 1, "file_name": "COCO_val2014_000000322141.jpg", "height": 480, "width": 640, "id": 322141},
              {"license": 3, "file_name": "COCO_val2014_000000106140.jpg", "height": 427, "width": 640, "id": 106140}],
             "licenses": [{"url": "http://creativecommons.org/licenses/by-nc-sa/2.0/", "id": 1, "name": "x"}],
             "annotations": [
              {"image_id": 203564, "id": 37, "caption": "A bicycle replica with a clock as the front wheel."},
              {"image_id": 322141, "id": 49, "caption": "A room with blue walls and a white sink and door."},
              {"image_id": 106140, "id": 98, "caption": "A large passenger airplane flying through the air."},
              {"image_id": 106140, "id": 101, "caption": "There is a GOL plane taking off in a partly cloudy sky.\\n "},
              {"image_id": 322141, "id": 109, "caption": "Blue  and white color scheme in a small bathroom."}]}
            """;

    private CocoFiles() {
    }

    public static Path write(Path dir, String name, String json) throws IOException {
        Path file = dir.resolve(name);
        Files.writeString(file, json);
        return file;
    }

    /** A val2014-shaped file of n annotations over n/5 images, ids in a scrambled order. */
    public static String generated(int n) {
        StringBuilder sb = new StringBuilder("{\"images\": [");
        int images = Math.max(1, n / 5);
        for (int i = 0; i < images; i++) {
            sb.append(i == 0 ? "" : ",").append("{\"id\": ").append(1000 + i)
                    .append(", \"file_name\": \"COCO_val2014_").append(String.format("%012d", 1000 + i)).append(".jpg\"}");
        }
        sb.append("], \"annotations\": [");
        for (int i = 0; i < n; i++) {
            long id = (i * 7919L) % 100_003;
            sb.append(i == 0 ? "" : ",").append("{\"image_id\": ").append(1000 + i % images).append(", \"id\": ")
                    .append(id).append(", \"caption\": \"caption number ").append(id).append("\"}");
        }
        return sb.append("]}").toString();
    }
}
