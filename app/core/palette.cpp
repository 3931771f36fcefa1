#include "core/palette.h"

#include <QFontDatabase>

namespace edgemoe::app::palette {

QColor expert(int id) {
    // Tableau 20 reordered so that neighbouring ids differ strongly.
    static const QRgb colors[20] = {0x1f77b4, 0xff7f0e, 0x2ca02c, 0xd62728, 0x9467bd, 0x8c564b, 0xe377c2, 0x7f7f7f,
                                    0xbcbd22, 0x17becf, 0xaec7e8, 0xffbb78, 0x98df8a, 0xff9896, 0xc5b0d5, 0xc49c94,
                                    0xf7b6d2, 0xc7c7c7, 0xdbdb8d, 0x9edae5};
    if (id < 0) return QColor(0x30, 0x30, 0x30);
    return QColor::fromRgb(colors[id % 20]);
}

QString fontFamily() {
    static const QString family = [] {
        const QStringList families = QFontDatabase::families();
        for (const char* want : {"Inter", "Cantarell", "DejaVu Sans", "Noto Sans", "Liberation Sans"})
            if (families.contains(QString::fromLatin1(want))) return QString::fromLatin1(want);
        return QString();
    }();
    return family;
}

QFont font(int pixel_size, int weight) {
    QFont f;
    const QString family = fontFamily();
    if (!family.isEmpty()) f.setFamily(family);
    f.setPixelSize(std::max(6, pixel_size));
    f.setWeight(QFont::Weight(weight));
    f.setHintingPreference(QFont::PreferNoHinting);
    return f;
}

}  // namespace edgemoe::app::palette
