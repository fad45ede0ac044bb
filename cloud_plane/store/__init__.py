"""The cloud's storage: one Protocol (base), SQL implementation (sql), DynamoDB key builders."""
