-- The products catalogue. utf8mb4 so any name a client sends fits.
CREATE DATABASE IF NOT EXISTS products
  CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;
USE products;

CREATE TABLE IF NOT EXISTS products (
  id    INT UNSIGNED  NOT NULL AUTO_INCREMENT,
  name  VARCHAR(255)  NOT NULL,
  price DECIMAL(10,2) NOT NULL,
  CONSTRAINT price_not_negative CHECK (price >= 0),
  PRIMARY KEY (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
