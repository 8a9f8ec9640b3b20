FROM python:3.11-slim
WORKDIR /app
COPY pyproject.toml README.md ./
COPY backend ./backend
COPY frontend ./frontend
COPY schema.graphql ./
RUN pip install --no-cache-dir .
EXPOSE 8000
CMD ["credit-report", "serve", "--host", "0.0.0.0", "--port", "8000"]
