package dev.forge.meta;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;

/** Column helpers shared by the DAOs. */
final class Rows {
    private Rows() {}

    static Instant instant(ResultSet rs, String column) throws SQLException {
        return Instant.ofEpochMilli(rs.getLong(column));
    }

    static Instant nullableInstant(ResultSet rs, String column) throws SQLException {
        long v = rs.getLong(column);
        return rs.wasNull() ? null : Instant.ofEpochMilli(v);
    }

    static Long nullableLong(ResultSet rs, String column) throws SQLException {
        long v = rs.getLong(column);
        return rs.wasNull() ? null : v;
    }
}
