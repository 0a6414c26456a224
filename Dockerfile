# The bot as an image, for compose.yaml: the library folder and settings come from outside.
FROM python:3.11-slim
WORKDIR /app
COPY pyproject.toml README.md ./
COPY bot bot
COPY cogs cogs
RUN pip install --no-cache-dir .
CMD ["python", "-m", "bot"]
